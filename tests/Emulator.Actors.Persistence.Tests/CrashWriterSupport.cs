using System.Text.Json;

namespace Emulator.Actors.Persistence.Tests;

/// <summary>Where the crash-safety child process was built.</summary>
internal static class CrashWriterLocation
{
    /// <summary>The writer's dll, built with the same configuration as this test assembly.</summary>
    public static string Dll()
    {
        // bin/<Configuration>/<tfm>/ of this project → the same folders of the writer project.
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = baseDirectory.Name;
        var configuration = baseDirectory.Parent!.Name;
        var testsFolder = baseDirectory.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(testsFolder, "Emulator.Actors.Persistence.CrashWriter", "bin", configuration, tfm, "Emulator.Actors.Persistence.CrashWriter.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"crash writer not built at {dll}");
    }
}

/// <summary>Reads back the writer's events (its payload repeats the sequence number so torn records show).</summary>
internal sealed record WrittenPayload(long SequenceNr, string Check)
{
    public static WrittenPayload Read(string manifest, byte[] payload)
    {
        Assert.Equal("crash.written", manifest);
        return JsonSerializer.Deserialize<WrittenPayload>(payload, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidDataException("null payload");
    }

    public static string Checksum(long sequenceNr) => string.Concat(Enumerable.Repeat($"{sequenceNr:x8}", 16));
}

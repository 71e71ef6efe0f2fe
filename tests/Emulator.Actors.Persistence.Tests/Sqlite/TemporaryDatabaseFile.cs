namespace Emulator.Actors.Persistence.Tests.Sqlite;

/// <summary>A path for a SQLite database in the temp directory; deleting it also removes SQLite's WAL and shared-memory files.</summary>
internal sealed class TemporaryDatabaseFile
{
    public TemporaryDatabaseFile(string name = "emulator")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{name}-{Guid.NewGuid():N}.db");
    }

    public string Path { get; }

    public void Delete()
    {
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm", Path + "-journal" })
        {
            File.Delete(file);
        }
    }
}

using Microsoft.Data.Sqlite;

namespace Emulator.Runtime.Tests.Support;

/// <summary>A path for a SQLite database in the temp directory; deleting it also removes SQLite's WAL and shared-memory files.</summary>
public sealed class TemporaryDatabaseFile : IDisposable
{
    public TemporaryDatabaseFile(string name = "emulator")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{name}-{Guid.NewGuid():N}.db");
    }

    public string Path { get; }

    public void Dispose()
    {
        // Pooled connections keep the files open; the pool belongs to the process, so it is cleared before deleting.
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm", Path + "-journal" })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // A connection of a system still shutting down: the temp directory is cleaned eventually.
            }
        }
    }
}

using Akka.Configuration;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Tests.Support;

namespace Emulator.Runtime.Tests.CrashSafety;

/// <summary>The crash-safety contract on SQLite (one file, WAL).</summary>
public sealed class SqliteCrashSafetyTests : CrashSafetyContract
{
    private readonly TemporaryDatabaseFile _database = new("crash");

    protected override IReadOnlyList<string> WriterArguments => ["sqlite", _database.Path];

    protected override Config JournalConfig => JournalSettings.Sqlite(_database.Path);

    protected override int Seed => 20261122;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _database.Dispose();
    }
}

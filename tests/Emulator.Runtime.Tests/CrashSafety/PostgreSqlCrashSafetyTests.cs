using Akka.Configuration;
using Emulator.Runtime.Tests.Support;

namespace Emulator.Runtime.Tests.CrashSafety;

/// <summary>The crash-safety contract on PostgreSQL, in a schema of its own (same skip / fail rule as the other PostgreSQL tests).</summary>
[RequiresPostgres]
public sealed class PostgreSqlCrashSafetyTests(PostgresSchemaFixture schema) : CrashSafetyContract, IClassFixture<PostgresSchemaFixture>
{
    protected override IReadOnlyList<string> WriterArguments => ["postgresql", schema.ConnectionString, schema.SchemaName];

    protected override Config JournalConfig => schema.JournalConfig;

    protected override int Seed => 20261123;
}

namespace Emulator.Actors.Persistence.Tests.PostgreSql;

/// <summary>A fact that needs a PostgreSQL server; skipped with the reason when none is configured outside CI.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// Marks a test class whose inherited conformance facts (<see cref="Conformance.StoreFactAttribute"/>) need a
/// PostgreSQL server, so that they are skipped or run exactly like <see cref="PostgresFactAttribute"/> facts.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

namespace Emulator.Runtime.Tests.Support;

/// <summary>
/// Where the PostgreSQL tests find their server: the connection string in <c>EMULATOR_TEST_POSTGRES</c>. Without
/// it they are skipped on a developer machine, but in CI (<c>CI=true</c>) they run and fail, so that a CI set-up
/// that lost its server cannot pass silently (.ci/run starts a throwaway server and sets the variable).
/// </summary>
public static class PostgresTestEnvironment
{
    public const string Variable = "EMULATOR_TEST_POSTGRES";

    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connectionString ? connectionString : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why PostgreSQL tests are skipped, or null when they run.</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"PostgreSQL tests need a server: set {Variable} to a connection string (.ci/run starts a throwaway one)"
        : null;

    public static string RequireConnectionString() => ConnectionString
        ?? throw new InvalidOperationException($"{Variable} is not set, and CI=true requires the PostgreSQL tests to run: .ci/run starts a throwaway server and sets it");
}

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
/// Marks a test class whose inherited contract facts (<see cref="StoreFactAttribute"/>) need a PostgreSQL server, so
/// that they are skipped or run exactly like <see cref="PostgresFactAttribute"/> facts.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

namespace Emulator.Actors.Persistence.Tests.PostgreSql;

/// <summary>
/// Where the PostgreSQL tests find their server: the connection string in <c>EMULATOR_TEST_POSTGRES</c>. Without
/// it they are skipped on a developer machine, but in CI (<c>CI=true</c>) they run and fail, so that a CI set-up
/// that lost its server cannot pass silently.
/// </summary>
internal static class PostgresTestEnvironment
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

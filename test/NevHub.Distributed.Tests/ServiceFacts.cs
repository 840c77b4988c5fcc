namespace NevHub.Distributed.Tests;

/// <summary>Where the tests find PostgreSQL and RabbitMQ: the variables scripts/test exports after starting scripts/services/*.sh.</summary>
public static class Services
{
    public static string? Postgres => Value("NEVHUB_TEST_POSTGRES");

    public static string? RabbitMq => Value("NEVHUB_TEST_RABBITMQ");

    /// <summary>Length of the simulated outages in seconds: NEVHUB_FAULT_OUTAGE_SECONDS, default 10 (docs/operations.md has a 60 s run).</summary>
    public static int OutageSeconds => int.TryParse(Environment.GetEnvironmentVariable("NEVHUB_FAULT_OUTAGE_SECONDS"), out var s) && s > 0 ? s : 10;

    private static string? Value(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}

/// <summary>A fact that needs PostgreSQL: skipped with the reason when NEVHUB_TEST_POSTGRES is not set.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        Skip = Services.Postgres is null ? "PostgreSQL not configured: set NEVHUB_TEST_POSTGRES (scripts/test starts scripts/services/postgres.sh when installed)." : null;
    }
}

/// <summary>A fact that needs PostgreSQL and RabbitMQ: skipped with the reason when either variable is not set.</summary>
public sealed class DistributedFactAttribute : FactAttribute
{
    public DistributedFactAttribute()
    {
        Skip = Services.Postgres is null || Services.RabbitMq is null
            ? "PostgreSQL and RabbitMQ not configured: set NEVHUB_TEST_POSTGRES and NEVHUB_TEST_RABBITMQ (scripts/test starts scripts/services/*.sh when installed)."
            : null;
    }
}

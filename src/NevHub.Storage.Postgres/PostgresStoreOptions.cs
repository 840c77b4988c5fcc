using System.Text.RegularExpressions;

namespace NevHub.Storage.Postgres;

/// <summary>Settings of the <see cref="PostgresVehicleStore"/>. Section "NevHub:Storage:Postgres".</summary>
public sealed partial class PostgresStoreOptions
{
    public const string Section = "NevHub:Storage:Postgres";

    /// <summary>
    /// Npgsql connection string, e.g. <c>Host=db1;Port=5432;Username=nevhub;Password=...;Database=nevhub</c>. Required.
    /// Pooling settings in it apply to the readers; the writer holds one dedicated connection.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Schema that holds NevHub's tables (created when missing). Default "public". Lower-case letters, digits and '_'.</summary>
    public string Schema { get; set; } = "public";

    /// <summary>Largest page a query returns, whatever the caller asks for. Default 10,000.</summary>
    public int MaxPageSize { get; set; } = 10_000;

    /// <summary>Daily partitions created ahead of today (and kept ahead as days pass) so ingestion never waits on DDL. Default 7.</summary>
    public int PartitionsAhead { get; set; } = 7;

    /// <summary>VIN-to-key mappings the writer caches in memory. Default 1,000,000.</summary>
    public int VinCacheSize { get; set; } = 1_000_000;

    /// <summary>Timeout of one statement in seconds (a group commit, a query, a partition drop). Default 60.</summary>
    public int CommandTimeoutSeconds { get; set; } = 60;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("A PostgreSQL connection string is required (NevHub:Storage:Postgres:ConnectionString).", nameof(ConnectionString));
        }

        if (string.IsNullOrEmpty(Schema) || Schema.Length > 48 || !SchemaName().IsMatch(Schema))
        {
            throw new ArgumentException("The schema must be 1-48 lower-case letters, digits or '_', starting with a letter or '_'.", nameof(Schema));
        }

        Check(MaxPageSize, 1, 1_000_000, nameof(MaxPageSize));
        Check(PartitionsAhead, 0, 366, nameof(PartitionsAhead));
        Check(VinCacheSize, 1, 100_000_000, nameof(VinCacheSize));
        Check(CommandTimeoutSeconds, 1, 86_400, nameof(CommandTimeoutSeconds));
    }

    private static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be between {min} and {max}.");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}

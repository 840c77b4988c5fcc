using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

// The assembly's test framework: xunit's, plus skipping of [RequiresPostgres] classes when no PostgreSQL is configured.
[assembly: TestFramework("NevHub.Storage.Tests.PostgresAwareTestFramework", "NevHub.Storage.Tests")]

namespace NevHub.Storage.Tests;

/// <summary>
/// Where the PostgreSQL tests find their server: the connection string in <c>NEVHUB_TEST_POSTGRES</c>, which <c>scripts/test</c> and
/// <c>.ci/run</c> export after starting PostgreSQL with <c>scripts/services/postgres.sh</c>.
/// </summary>
public static class PostgresTestEnvironment
{
    public const string Variable = "NEVHUB_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Why the PostgreSQL tests are skipped, or null when they run.</summary>
    public static string? SkipReason => ConnectionString is null
        ? $"PostgreSQL not configured: set {Variable} to a connection string (scripts/test starts the server from scripts/services/postgres.sh when it is installed)."
        : null;

    /// <summary>A fresh schema name for one test.</summary>
    public static string NewSchema() => "nevhub_t_" + Guid.NewGuid().ToString("N")[..16];

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A fact that needs PostgreSQL: skipped, with the reason, when <c>NEVHUB_TEST_POSTGRES</c> is not set.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        Skip = PostgresTestEnvironment.SkipReason;
    }
}

/// <summary>
/// Marks a test class whose every test (its own and inherited ones, e.g. the store contract tests) needs PostgreSQL: without
/// <c>NEVHUB_TEST_POSTGRES</c> each is reported skipped with the reason, never run and never passed.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

public sealed class PostgresAwareTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new PostgresAwareDiscoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);
}

internal sealed class PostgresAwareDiscoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
    : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
{
    protected override bool FindTestsForMethod(
        ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
    {
        if (PostgresTestEnvironment.SkipReason is not null
            && testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any()
            && testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).Any())
        {
            var skipped = new PostgresSkippedTestCase(
                DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
            return ReportDiscoveredTestCase(skipped, includeSourceInformation, messageBus);
        }

        return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
    }
}

/// <summary>A test case of a [RequiresPostgres] class, reported skipped because PostgreSQL is not configured.</summary>
public sealed class PostgresSkippedTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public PostgresSkippedTestCase()
    {
    }

    public PostgresSkippedTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay methodDisplay, TestMethodDisplayOptions methodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, methodDisplay, methodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        PostgresTestEnvironment.SkipReason ?? "PostgreSQL was not configured when the tests were discovered.";
}

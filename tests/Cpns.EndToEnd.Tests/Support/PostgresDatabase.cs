using Npgsql;

namespace Cpns.EndToEnd.Tests.Support;

/// <summary>
/// A fresh database name on the PostgreSQL of <c>CPNS_TEST_POSTGRES</c> (started on loopback by .ci/run); the test
/// skips without it. The server's migration creates the database; it is dropped at the end.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "CPNS_TEST_POSTGRES";

    private readonly string _admin;

    private PostgresDatabase(string admin, string connectionString, string name)
    {
        _admin = admin;
        ConnectionString = connectionString;
        Name = name;
    }

    public string ConnectionString { get; }

    public string Name { get; }

    public static PostgresDatabase CreateOrSkip()
    {
        var admin = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            Assert.Skip($"{EnvironmentVariable} is not set (scripts/ci-postgres.sh starts a PostgreSQL and prints it).");
        }

        var name = "cpns_e2e_" + Guid.NewGuid().ToString("N")[..16];
        return new PostgresDatabase(admin, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync();
    }
}

using Npgsql;

namespace Cpns.Server.Tests.Infrastructure;

/// <summary>
/// A fresh database on the PostgreSQL named by <c>CPNS_TEST_POSTGRES</c> (scripts/ci-postgres.sh); tests skip without it.
/// Each test gets its own database (created by the server's migration) and drops it afterwards.
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

        var name = "cpns_t_" + Guid.NewGuid().ToString("N")[..16];
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new PostgresDatabase(admin, builder.ConnectionString, name);
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

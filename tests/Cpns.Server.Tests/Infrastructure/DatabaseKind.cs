namespace Cpns.Server.Tests.Infrastructure;

/// <summary>Which database a test's server runs on (PostgreSQL cases skip unless <c>CPNS_TEST_POSTGRES</c> is set).</summary>
public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Storage;

/// <summary>The SQLite flavour of <see cref="CpnsDbContext"/> (migrations under Storage/Migrations/Sqlite).</summary>
internal sealed class SqliteCpnsDbContext(DbContextOptions<SqliteCpnsDbContext> options) : CpnsDbContext(options)
{
    public override bool IsSqlite => true;
}

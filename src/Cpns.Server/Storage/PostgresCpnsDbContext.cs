using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Storage;

/// <summary>The PostgreSQL flavour of <see cref="CpnsDbContext"/> (migrations under Storage/Migrations/Postgres).</summary>
internal sealed class PostgresCpnsDbContext(DbContextOptions<PostgresCpnsDbContext> options) : CpnsDbContext(options)
{
    public override bool IsSqlite => false;
}

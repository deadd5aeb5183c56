using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Cpns.Server.Storage;

/// <summary>Used only by <c>dotnet ef migrations add ... --context PostgresCpnsDbContext</c>; never connects.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCpnsDbContext>
{
    public PostgresCpnsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCpnsDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}

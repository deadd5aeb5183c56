using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Cpns.Server.Storage;

/// <summary>Used only by <c>dotnet ef migrations add ... --context SqliteCpnsDbContext</c>.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCpnsDbContext>
{
    public SqliteCpnsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCpnsDbContext>().UseSqlite("Data Source=design.db").Options);
}

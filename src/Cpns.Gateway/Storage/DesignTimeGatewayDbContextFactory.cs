using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Cpns.Gateway.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model; never used at run time.</summary>
internal sealed class DesignTimeGatewayDbContextFactory : IDesignTimeDbContextFactory<GatewayDbContext>
{
    public GatewayDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<GatewayDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

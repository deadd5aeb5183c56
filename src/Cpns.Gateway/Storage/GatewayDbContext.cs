using Microsoft.EntityFrameworkCore;

namespace Cpns.Gateway.Storage;

/// <summary>
/// The gateway's local state in gateway.db. The schema is versioned by EF Core migrations
/// (<c>__EFMigrationsHistory</c>); every secret column holds AES-GCM output under the master key.
/// </summary>
internal sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : DbContext(options)
{
    public DbSet<GatewayIdentityEntity> Identity => Set<GatewayIdentityEntity>();

    public DbSet<KeyMaterialEntity> KeyMaterial => Set<KeyMaterialEntity>();

    public DbSet<PneEntity> Pnes => Set<PneEntity>();

    public DbSet<GroupEntity> Groups => Set<GroupEntity>();

    public DbSet<GroupMemberEntity> GroupMembers => Set<GroupMemberEntity>();

    public DbSet<PendingDeleteEntity> PendingDeletes => Set<PendingDeleteEntity>();

    public DbSet<PendingDeleteAckEntity> PendingDeleteAcks => Set<PendingDeleteAckEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<GatewayIdentityEntity>(e =>
        {
            e.ToTable("GatewayIdentity");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
        });
        modelBuilder.Entity<KeyMaterialEntity>(e =>
        {
            e.ToTable("KeyMaterial");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
        });
        modelBuilder.Entity<PneEntity>(e =>
        {
            e.ToTable("Pnes");
            e.HasKey(x => x.PneId);
            // A leaf belongs to one PNE forever, removed or not.
            e.HasIndex(x => x.Leaf).IsUnique();
        });
        modelBuilder.Entity<GroupEntity>(e =>
        {
            e.ToTable("Groups");
            e.HasKey(x => x.GroupId);
        });
        modelBuilder.Entity<GroupMemberEntity>(e =>
        {
            e.ToTable("GroupMembers");
            e.HasKey(x => new { x.GroupId, x.PneId });
            e.HasIndex(x => x.PneId);
        });
        modelBuilder.Entity<PendingDeleteEntity>(e =>
        {
            e.ToTable("PendingDeletes");
            e.HasKey(x => new { x.GroupId, x.Epoch });
        });
        modelBuilder.Entity<PendingDeleteAckEntity>(e =>
        {
            e.ToTable("PendingDeleteAcks");
            e.HasKey(x => new { x.GroupId, x.Epoch, x.PneId });
            e.HasIndex(x => x.PneId);
        });
    }
}

using Cpns.Server.Domain;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Storage;

/// <summary>
/// The server's database. One model, two providers: <see cref="SqliteCpnsDbContext"/> and
/// <see cref="PostgresCpnsDbContext"/> exist only so that each provider has its own migrations set.
/// </summary>
internal abstract class CpnsDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<ServiceGroup> Groups => Set<ServiceGroup>();

    public DbSet<GroupMember> Members => Set<GroupMember>();

    public DbSet<GroupKey> GroupKeys => Set<GroupKey>();

    public DbSet<Gateway> Gateways => Set<Gateway>();

    public DbSet<PneRegistration> Pnes => Set<PneRegistration>();

    public DbSet<DeliveryRecord> Deliveries => Set<DeliveryRecord>();

    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<EnrollmentToken> EnrollmentTokens => Set<EnrollmentToken>();

    public DbSet<DeliveryMessage> DeliveryMessages => Set<DeliveryMessage>();

    public DbSet<PneDeliveryReport> PneDeliveryReports => Set<PneDeliveryReport>();

    public DbSet<ServerAuthority> Authorities => Set<ServerAuthority>();

    public abstract bool IsSqlite { get; }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        EnsureAuditAppendOnly();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        EnsureAuditAppendOnly();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ServiceGroup>(e =>
        {
            e.HasKey(g => g.Id);
            e.Property(g => g.Name).HasMaxLength(200);
            e.Property(g => g.OwnerApplication).HasMaxLength(200);
            e.Property(g => g.CurrentEpoch).IsConcurrencyToken();
            e.Property(g => g.MembershipVersion).IsConcurrencyToken();
            e.Property(g => g.LeaseOwner).HasMaxLength(200);
            e.HasIndex(g => g.OwnerApplication);
            e.HasIndex(g => g.NextRotationAt);
            e.HasMany(g => g.Members).WithOne().HasForeignKey(m => m.GroupId);
        });

        modelBuilder.Entity<GroupMember>(e =>
        {
            e.HasKey(m => m.Id);
            e.Property(m => m.GatewayId).HasMaxLength(Identifiers.MaxLength);
            e.Property(m => m.PneId).HasMaxLength(Identifiers.MaxLength);
            e.Property(m => m.State).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(m => new { m.GroupId, m.GatewayId, m.PneId }).IsUnique();
            e.HasIndex(m => new { m.GatewayId, m.PneId });
            e.Ignore(m => m.Key);
        });

        modelBuilder.Entity<GroupKey>(e =>
        {
            // The primary key makes a duplicate epoch impossible even if the concurrency token were bypassed.
            e.HasKey(k => new { k.GroupId, k.Epoch });
            e.Property(k => k.Reason).HasConversion<string>().HasMaxLength(32);
            e.HasOne<ServiceGroup>().WithMany().HasForeignKey(k => k.GroupId);
        });

        modelBuilder.Entity<Gateway>(e =>
        {
            e.HasKey(g => g.Id);
            e.Property(g => g.Id).HasMaxLength(Identifiers.MaxLength);
            e.Property(g => g.PnId).HasMaxLength(Identifiers.MaxLength);
            e.Property(g => g.CertificateSerial).HasMaxLength(64);
        });

        modelBuilder.Entity<PneRegistration>(e =>
        {
            e.HasKey(p => new { p.GatewayId, p.PneId });
            e.Property(p => p.GatewayId).HasMaxLength(Identifiers.MaxLength);
            e.Property(p => p.PneId).HasMaxLength(Identifiers.MaxLength);
            e.Property(p => p.PnId).HasMaxLength(Identifiers.MaxLength);
            e.Property(p => p.Alias).HasMaxLength(200);
            e.HasOne<Gateway>().WithMany().HasForeignKey(p => p.GatewayId);
        });

        modelBuilder.Entity<DeliveryRecord>(e =>
        {
            e.HasKey(d => new { d.GroupId, d.Epoch, d.GatewayId });
            e.Property(d => d.GatewayId).HasMaxLength(Identifiers.MaxLength);
            e.Property(d => d.Kind).HasConversion<string>().HasMaxLength(16);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(d => d.LastStatus).HasMaxLength(32);
            e.Property(d => d.LeaseOwner).HasMaxLength(200);
            e.HasIndex(d => new { d.GatewayId, d.Status });
            e.HasIndex(d => new { d.Status, d.NextAttemptAt });
            e.HasOne<ServiceGroup>().WithMany().HasForeignKey(d => d.GroupId);
        });

        modelBuilder.Entity<DeliveryMessage>(e =>
        {
            e.HasKey(m => m.Id);
            e.Property(m => m.MessageId).HasMaxLength(16);
            e.Property(m => m.GatewayId).HasMaxLength(Identifiers.MaxLength);
            e.HasIndex(m => new { m.GatewayId, m.MessageId });
            e.HasIndex(m => new { m.GroupId, m.Epoch, m.GatewayId });
        });

        modelBuilder.Entity<PneDeliveryReport>(e =>
        {
            e.HasKey(r => new { r.GroupId, r.Epoch, r.GatewayId, r.PneId });
            e.Property(r => r.GatewayId).HasMaxLength(Identifiers.MaxLength);
            e.Property(r => r.PneId).HasMaxLength(Identifiers.MaxLength);
            e.Property(r => r.Status).HasMaxLength(32);
        });

        modelBuilder.Entity<ServerAuthority>(e =>
        {
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).ValueGeneratedNever();
        });

        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.HasKey(a => a.Id);
            e.Property(a => a.Actor).HasMaxLength(200);
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.Detail).HasMaxLength(1000);
            e.HasIndex(a => a.GroupId);
        });

        modelBuilder.Entity<ApiKey>(e =>
        {
            e.HasKey(k => k.Id);
            e.Property(k => k.Id).HasMaxLength(32);
            e.Property(k => k.Name).HasMaxLength(200);
            e.Property(k => k.Scope).HasConversion<string>().HasMaxLength(16);
        });

        modelBuilder.Entity<EnrollmentToken>(e =>
        {
            e.HasKey(t => t.Id);
            e.Property(t => t.Id).HasMaxLength(32);
            e.Property(t => t.GatewayId).HasMaxLength(Identifiers.MaxLength);
            e.Property(t => t.CreatedBy).HasMaxLength(200);
        });
    }

    /// <summary>The audit log is append-only: a bug that edits or deletes an entry fails instead of rewriting history.</summary>
    private void EnsureAuditAppendOnly()
    {
        foreach (var entry in ChangeTracker.Entries<AuditEntry>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException("The audit log is append-only.");
            }
        }
    }
}

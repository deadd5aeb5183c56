namespace Cpns.Server.Domain;

/// <summary>A one-time, expiring gateway enrollment token, stored only as the SHA-256 hash of its secret.</summary>
internal sealed class EnrollmentToken
{
    public required string Id { get; set; }

    public required string GatewayId { get; set; }

    public required byte[] SecretHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }

    public required string CreatedBy { get; set; }
}

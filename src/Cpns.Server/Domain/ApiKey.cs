namespace Cpns.Server.Domain;

/// <summary>An API key. The secret part is stored only as its SHA-256 hash.</summary>
internal sealed class ApiKey
{
    public required string Id { get; set; }

    /// <summary>An operator key's label, or the application's name for an application key.</summary>
    public required string Name { get; set; }

    public Cpns.Server.ApiKeyScope Scope { get; set; }

    public required byte[] SecretHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

namespace Cpns.Gateway.Storage;

/// <summary>The gateway's identity and the per-gateway key it shares with the CPNS Server (one row, id 1).</summary>
internal sealed class GatewayIdentityEntity
{
    public int Id { get; set; }

    public required string GatewayId { get; set; }

    public required string PnId { get; set; }

    /// <summary>The per-gateway key, sealed under the master key; null until enrollment gives one.</summary>
    public byte[]? GatewayKeySealed { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? GatewayKeySetAt { get; set; }
}

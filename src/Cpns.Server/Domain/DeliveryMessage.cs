namespace Cpns.Server.Domain;

/// <summary>
/// One message that carried a delivery to its gateway: a GroupKeyNotification, a GroupKeyDelete, or a SyncResponse
/// holding it. A gateway's response is accepted only if its correlation id is one of these message ids, for the same
/// gateway, group and epoch; anything else is forged or replayed.
/// </summary>
internal sealed class DeliveryMessage
{
    public long Id { get; set; }

    /// <summary>The envelope's 16-byte message id (one SyncResponse id may cover several deliveries).</summary>
    public required byte[] MessageId { get; set; }

    public Guid GroupId { get; set; }

    public long Epoch { get; set; }

    public required string GatewayId { get; set; }

    public DateTime SentAt { get; set; }

    /// <summary>True when the delivery went out inside a SyncResponse.</summary>
    public bool ViaSync { get; set; }
}

namespace Cpns.Server.Domain;

/// <summary>
/// What one gateway must be told about one epoch of one group. Written in the same transaction as the epoch
/// (a transactional outbox): the MQTT sender reads Pending rows, so nothing is announced before it is durable.
/// </summary>
internal sealed class DeliveryRecord
{
    public Guid GroupId { get; set; }

    public long Epoch { get; set; }

    public required string GatewayId { get; set; }

    public DeliveryKind Kind { get; set; }

    public DeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

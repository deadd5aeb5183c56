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

    /// <summary>How many times the delivery was published (a notification, a delete, or inside a sync response).</summary>
    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>When the row last became Pending (its epoch was committed, or a join re-opened it): the start of the delivery latency.</summary>
    public DateTime QueuedAt { get; set; }

    /// <summary>When the dispatcher may (re-)send it; null means at once.</summary>
    public DateTime? NextAttemptAt { get; set; }

    public DateTime? LastSentAt { get; set; }

    public DateTime? AcknowledgedAt { get; set; }

    /// <summary>The last non-OK status the gateway answered, if any (the row stays Pending and is re-sent).</summary>
    public string? LastStatus { get; set; }

    /// <summary>The instance that claimed the row for sending (row lease, like periodic rotation).</summary>
    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }
}

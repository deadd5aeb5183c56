namespace Cpns.Server.Domain;

/// <summary>What a gateway reported (GroupKeyDeliveryReport) about one PNE for one epoch of one group.</summary>
internal sealed class PneDeliveryReport
{
    public Guid GroupId { get; set; }

    public long Epoch { get; set; }

    public required string GatewayId { get; set; }

    public required string PneId { get; set; }

    /// <summary>The protocol status name without its prefix, e.g. <c>Ok</c>, <c>Timeout</c>, <c>NotARecipient</c>.</summary>
    public required string Status { get; set; }

    public DateTime ReportedAt { get; set; }
}

namespace Cpns.Server.Domain;

/// <summary>One PNE registered in the PN of a gateway (the PN inventory the gateway reports).</summary>
internal sealed class PneRegistration
{
    public required string GatewayId { get; set; }

    public required string PneId { get; set; }

    public required string PnId { get; set; }

    public string? Alias { get; set; }

    public DateTime RegisteredAt { get; set; }
}

namespace Cpns.Server.Domain;

/// <summary>A PN Gateway known to the server.</summary>
internal sealed class Gateway
{
    public required string Id { get; set; }

    /// <summary>The id of the PN the gateway serves (one PN per gateway).</summary>
    public string? PnId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? EnrolledAt { get; set; }
}

namespace Cpns.Gateway.Storage;

/// <summary>A Group Key Delete received from the CPNS Server, forwarded to the affected PNEs.</summary>
internal sealed class PendingDeleteEntity
{
    public required string GroupId { get; set; }

    public long Epoch { get; set; }

    public string? Reason { get; set; }

    /// <summary>True when the whole group was deleted; false when only some members left.</summary>
    public bool WholeGroup { get; set; }

    public DateTimeOffset RequestedAt { get; set; }
}

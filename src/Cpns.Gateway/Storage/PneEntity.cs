namespace Cpns.Gateway.Storage;

/// <summary>A PNE registered in the PN (EU-Key assignment done). Rows are never deleted: a removed PNE keeps its leaf forever.</summary>
internal sealed class PneEntity
{
    public required string PneId { get; set; }

    public string? Alias { get; set; }

    /// <summary>The EU-Key sealed under the master key; emptied when the PNE is removed.</summary>
    public required byte[] EuKeySealed { get; set; }

    /// <summary>The leaf, assigned at the first GKDK request (flow 6.1.2.2 step 4).</summary>
    public int? Leaf { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public DateTimeOffset? GkdkAssignedAt { get; set; }

    public bool Removed { get; set; }

    public DateTimeOffset? RemovedAt { get; set; }
}

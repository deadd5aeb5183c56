namespace Cpns.Gateway.Storage;

/// <summary>One affected PNE of a Group Key Delete and whether it has acknowledged.</summary>
internal sealed class PendingDeleteAckEntity
{
    public required string GroupId { get; set; }

    public long Epoch { get; set; }

    public required string PneId { get; set; }

    public DateTimeOffset? AckedAt { get; set; }
}

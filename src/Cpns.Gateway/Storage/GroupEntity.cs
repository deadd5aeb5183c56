namespace Cpns.Gateway.Storage;

/// <summary>The latest epoch of one Service Group received from the CPNS Server and its broadcast.</summary>
internal sealed class GroupEntity
{
    public required string GroupId { get; set; }

    /// <summary>The latest epoch (stored as a signed 64-bit integer; epochs above 2^63 - 1 are refused).</summary>
    public long Epoch { get; set; }

    /// <summary>The Group Key sealed under the master key, AD bound to group id and epoch.</summary>
    public required byte[] GroupKeySealed { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>The last broadcast (public: header, nonce, sealed key), to publish again after a restart.</summary>
    public required byte[] BroadcastHeader { get; set; }

    public required byte[] BroadcastNonce { get; set; }

    public required byte[] BroadcastSealedKey { get; set; }

    public required string BroadcastPnId { get; set; }

    public byte BroadcastScheme { get; set; }

    public int BroadcastSuite { get; set; }
}

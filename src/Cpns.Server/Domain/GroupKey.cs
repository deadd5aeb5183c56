namespace Cpns.Server.Domain;

/// <summary>One GK epoch of a group. The key is stored only sealed under the master key (see <c>SecretProtector</c>).</summary>
internal sealed class GroupKey
{
    public Guid GroupId { get; set; }

    public long Epoch { get; set; }

    /// <summary>nonce || ciphertext || tag, AES-256-GCM under the master key with the group id and epoch as AD.</summary>
    public required byte[] SealedKey { get; set; }

    public GroupKeyReason Reason { get; set; }

    public DateTime CreatedAt { get; set; }
}

namespace Cpns.Device.Groups;

/// <summary>
/// What a PNE did with a Group Key broadcast (flow 6.x.y steps 7–8). The transport turns it into a
/// PneGroupKeyResponse: Stored and Duplicate are acknowledged as OK, Rollback as a stale epoch,
/// NotARecipient as not a recipient, AuthenticationFailed as a decryption failure.
/// </summary>
public enum GroupKeyReceiveStatus
{
    /// <summary>The key was decrypted, is of a new epoch, and is stored.</summary>
    Stored = 1,

    /// <summary>The key is the current epoch again (a re-send): acknowledged and ignored.</summary>
    Duplicate = 2,

    /// <summary>The epoch is older than one already seen, or was deleted: refused.</summary>
    Rollback = 3,

    /// <summary>The PNE is not among the broadcast's recipients (not a member in this PN, or no GKDK yet).</summary>
    NotARecipient = 4,

    /// <summary>A header entry covered the PNE but the sealed key failed authentication: altered or forged.</summary>
    AuthenticationFailed = 5,

    /// <summary>The broadcast is not well formed for this PNE's GKDK (scheme, suite, height, header, ids).</summary>
    Malformed = 6,

    /// <summary>The broadcast is for another PN, or the PNE is not paired yet.</summary>
    WrongPn = 7,
}

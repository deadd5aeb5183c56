namespace Cpns.Device.Storage;

/// <summary>
/// Why a new Group Key epoch exists (cpns.v1 <c>GroupKeyReason</c>, same numbering). It decides
/// whether the previous epoch's key may still open in-flight messages for a grace period.
/// </summary>
public enum GroupKeyUpdateReason
{
    /// <summary>Not known: treated like a compromise (no grace period), failing closed.</summary>
    Unspecified = 0,

    /// <summary>Epoch 1 of a new Service Group.</summary>
    Created = 1,

    /// <summary>Rotation asked for explicitly.</summary>
    Rotated = 2,

    /// <summary>A member left (forward secrecy): the previous key is wiped at once.</summary>
    MemberLeft = 3,

    /// <summary>A member is compromised: the previous key is wiped at once.</summary>
    MemberCompromised = 4,

    /// <summary>The server's periodic rotation.</summary>
    Periodic = 5,

    /// <summary>A member joined and the group rotates on join (backward secrecy).</summary>
    MemberJoined = 6,
}

namespace Cpns.Gateway.Delivery;

/// <summary>Why a PNE the server named as a member is not among a broadcast's recipients.</summary>
public enum MemberExclusionReason
{
    /// <summary>No such PNE is registered in this PN.</summary>
    UnknownPne = 0,

    /// <summary>The PNE was removed from the PN; its leaf is never a member again.</summary>
    Removed = 1,

    /// <summary>The PNE is registered but has not asked for its GKDK yet (no leaf).</summary>
    NoGkdk = 2,
}

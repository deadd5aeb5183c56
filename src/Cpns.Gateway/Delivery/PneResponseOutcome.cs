namespace Cpns.Gateway.Delivery;

/// <summary>What became of a PNE's Group Key Response (flow 6.x.y step 7).</summary>
public enum PneResponseOutcome
{
    /// <summary>Recorded against the group's latest epoch.</summary>
    Recorded = 0,

    /// <summary>The gateway holds no such group.</summary>
    UnknownGroup = 1,

    /// <summary>The response is for another epoch than the latest; ignored.</summary>
    EpochMismatch = 2,

    /// <summary>The PNE is not an expected member of the group at this epoch; ignored.</summary>
    NotAMember = 3,

    /// <summary>
    /// The response is for the epoch that a newer one replaced before this member answered it: recorded for the
    /// server's report of that epoch only.
    /// </summary>
    Late = 4,

    /// <summary>The PNE is not registered in the PN, or was removed from it; ignored.</summary>
    UnknownPne = 5,
}

namespace Cpns.Gateway.Delivery;

/// <summary>What became of a PNE's acknowledgement of a Group Key Delete.</summary>
public enum DeleteAckOutcome
{
    /// <summary>Recorded.</summary>
    Recorded = 0,

    /// <summary>No pending delete of this group and epoch names this PNE; ignored.</summary>
    Unknown = 1,
}

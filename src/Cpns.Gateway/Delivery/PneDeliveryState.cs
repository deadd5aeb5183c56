namespace Cpns.Gateway.Delivery;

/// <summary>Where one member PNE stands with the group's latest epoch (flow 6.x.y step 7).</summary>
public enum PneDeliveryState
{
    /// <summary>Broadcast, no Group Key Response from the PNE yet.</summary>
    Pending = 0,

    /// <summary>The PNE answered that it decrypted the Group Key.</summary>
    Received = 1,

    /// <summary>The PNE answered that the broadcast does not cover it.</summary>
    NotARecipient = 2,

    /// <summary>The PNE answered that the broadcast failed authentication or was malformed.</summary>
    Failed = 3,
}

namespace Cpns.Server.Domain;

/// <summary>What a delivery carries.</summary>
internal enum DeliveryKind
{
    /// <summary>A Group Key Notification: the epoch's GK and the gateway's member PNEs.</summary>
    KeyUpdate,

    /// <summary>Delete every GK of the group up to this epoch (group deleted, or no member left behind the gateway).</summary>
    Delete,
}

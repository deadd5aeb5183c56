namespace Cpns.Server.Domain;

/// <summary>State of a delivery to one gateway.</summary>
internal enum DeliveryStatus
{
    Pending,
    Acknowledged,

    /// <summary>A later epoch for the same group and gateway was issued before this one was acknowledged.</summary>
    Superseded,
}

namespace Cpns.Gateway.Delivery;

/// <summary>One member PNE in a delivery report.</summary>
/// <param name="PneId">The PNE.</param>
/// <param name="State">Its state for the epoch.</param>
/// <param name="AnsweredAt">When it answered, if it did.</param>
public sealed record PneDeliveryEntry(string PneId, PneDeliveryState State, DateTimeOffset? AnsweredAt);

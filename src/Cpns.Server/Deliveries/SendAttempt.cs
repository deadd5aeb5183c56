using Cpns.Server.Domain;

namespace Cpns.Server.Deliveries;

/// <summary>
/// A claimed delivery about to be published: the row, the id of the message that will carry it, and when the
/// message's content (its member list) was read.
/// </summary>
internal sealed record SendAttempt(DeliveryRecord Row, byte[] MessageId, DateTime BuiltAt);

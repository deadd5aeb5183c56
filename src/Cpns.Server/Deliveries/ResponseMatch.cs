using Cpns.Server.Domain;

namespace Cpns.Server.Deliveries;

/// <summary>
/// One message the server sent to a gateway under a given id, with the delivery it carried as it stands now (null
/// fields when the delivery row is gone): what a response needs, read in one query.
/// </summary>
internal sealed record ResponseMatch(Guid GroupId, long Epoch, DateTime SentAt, DeliveryKind? Kind, DeliveryStatus? Status, DateTime? QueuedAt);

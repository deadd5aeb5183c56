using Cpns.Server.Domain;

namespace Cpns.Server.Deliveries;

/// <summary>A member of a group behind one gateway, as <see cref="DeliveryContent"/> reads it: its PNE and state.</summary>
internal sealed record MemberPne(string PneId, MemberState State);

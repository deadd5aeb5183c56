using Cpns.Server.Domain;

namespace Cpns.Server.Keys;

/// <summary>The outcome of adding a member: the member row and the epoch the new member will receive.</summary>
internal sealed record MemberAdded(GroupMember Member, long Epoch, bool Rotated);

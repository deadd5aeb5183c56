using Cpns.Server.Domain;

namespace Cpns.Server.Keys;

/// <summary>A group in a listing, with its number of active members.</summary>
internal sealed record GroupSummary(ServiceGroup Group, int ActiveMembers);

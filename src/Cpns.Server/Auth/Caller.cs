using System.Security.Claims;
using Cpns.Server.Domain;

namespace Cpns.Server.Auth;

/// <summary>Who is calling: the API key's id, name and scope.</summary>
internal sealed record Caller(string KeyId, string Name, ApiKeyScope Scope)
{
    public const string ScopeClaim = "cpns:scope";
    public const string KeyIdClaim = "cpns:key";

    /// <summary>The server itself (periodic rotation, inventory changes reported by gateways).</summary>
    public static Caller System { get; } = new("system", "system", ApiKeyScope.Operator);

    /// <summary>How the caller appears in the audit log.</summary>
    public string AuditName => KeyId == "system" ? "system" : $"key:{KeyId} ({Name})";

    public bool IsOperator => Scope == ApiKeyScope.Operator;

    public bool CanManage(ServiceGroup group) => IsOperator || string.Equals(group.OwnerApplication, Name, StringComparison.Ordinal);

    public static Caller FromPrincipal(ClaimsPrincipal user)
    {
        var keyId = user.FindFirstValue(KeyIdClaim) ?? throw new InvalidOperationException("Not authenticated.");
        var name = user.FindFirstValue(ClaimTypes.Name) ?? keyId;
        var scope = Enum.Parse<ApiKeyScope>(user.FindFirstValue(ScopeClaim) ?? nameof(ApiKeyScope.Application));
        return new Caller(keyId, name, scope);
    }
}

using System.Security.Claims;
using Cpns.Server.Audit;
using Cpns.Server.Auth;
using Cpns.Server.Deliveries;
using Cpns.Server.Domain;
using Cpns.Server.Errors;
using Cpns.Server.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cpns.Server.Api;

/// <summary>Service Groups, members, rotation, deliveries and the audit log.</summary>
internal static class GroupEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var groups = api.MapGroup("/groups").WithTags("Service Groups");
        groups.MapPost("/", CreateAsync).ProducesValidationProblem();
        groups.MapGet("/", ListAsync);
        groups.MapGet("/{id:guid}", GetAsync).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);
        groups.MapDelete("/{id:guid}", DeleteAsync).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);
        groups.MapPost("/{id:guid}/members", AddMemberAsync)
            .WithDescription("Adds a PNE from the PN inventory. 409 if it is already a member, was marked compromised, or is not in the inventory.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        groups.MapDelete("/{id:guid}/members/{memberId}", RemoveMemberAsync)
            .WithDescription("memberId is 'gatewayId:pneId'. The member leaves and the GK is updated.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapPost("/{id:guid}/members/{memberId}/compromise", CompromiseMemberAsync)
            .WithDescription("memberId is 'gatewayId:pneId'. Excludes the PNE for good; the GK is updated if it was active.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        groups.MapPost("/{id:guid}/rotate", RotateAsync).ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapGet("/{id:guid}/deliveries", DeliveriesAsync)
            .WithDescription("Delivery status per epoch and gateway; also readable after the group was deleted (its delete deliveries).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/audit", AuditAsync).WithTags("Audit");
    }

    private static async Task<Created<GroupResponse>> CreateAsync(CreateGroupRequest? body, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var caller = Caller.FromPrincipal(user);
        body = Validate.Body(body);
        var name = Validate.Name(body.Name, "name");
        string application;
        if (caller.IsOperator)
        {
            application = body.Application is null ? caller.Name : Validate.Name(body.Application, "application");
        }
        else
        {
            // An application key creates groups for itself only.
            application = body.Application is null || string.Equals(body.Application, caller.Name, StringComparison.Ordinal)
                ? caller.Name
                : throw ServerError.Forbidden();
        }

        var interval = Validate.Range(body.Policy?.RotationIntervalSeconds, "policy.rotationIntervalSeconds", 1, 366 * 24 * 3600);
        var policy = new GroupPolicy(interval, body.Policy?.RotateOnJoin ?? false);
        var group = await keys.CreateGroupAsync(caller, name, application, policy, ct).ConfigureAwait(false);
        return TypedResults.Created($"/groups/{group.Id}", group.ToResponse(withMembers: true));
    }

    private static async Task<Ok<List<GroupResponse>>> ListAsync(ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var groups = await keys.ListGroupsAsync(Caller.FromPrincipal(user), ct).ConfigureAwait(false);
        return TypedResults.Ok(groups.Select(g => g.ToResponse()).ToList());
    }

    private static async Task<Ok<GroupResponse>> GetAsync(Guid id, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var group = await keys.GetGroupAsync(Caller.FromPrincipal(user), id, includeDeleted: false, ct).ConfigureAwait(false);
        return TypedResults.Ok(group.ToResponse(withMembers: true));
    }

    private static async Task<Ok<EpochResponse>> DeleteAsync(Guid id, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var issued = await keys.DeleteGroupAsync(Caller.FromPrincipal(user), id, ct).ConfigureAwait(false);
        return TypedResults.Ok(issued.ToResponse());
    }

    private static async Task<Created<MemberAddedResponse>> AddMemberAsync(Guid id, AddMemberRequest? body, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        body = Validate.Body(body);
        var gatewayId = Validate.Id(body.GatewayId, "gatewayId");
        var pneId = Validate.Id(body.PneId, "pneId");
        var added = await keys.AddMemberAsync(Caller.FromPrincipal(user), id, gatewayId, pneId, ct).ConfigureAwait(false);
        var member = added.Member.ToResponse();
        return TypedResults.Created($"/groups/{id}/members/{member.Id}", new MemberAddedResponse(member, added.Epoch, added.Rotated));
    }

    private static async Task<Ok<EpochResponse>> RemoveMemberAsync(Guid id, string memberId, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var (gatewayId, pneId) = ParseMemberId(memberId);
        var issued = await keys.RemoveMemberAsync(Caller.FromPrincipal(user), id, gatewayId, pneId, ct).ConfigureAwait(false);
        return TypedResults.Ok(issued.ToResponse());
    }

    private static async Task<Ok<EpochResponse>> CompromiseMemberAsync(Guid id, string memberId, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var (gatewayId, pneId) = ParseMemberId(memberId);
        var (epoch, rotated) = await keys.CompromiseMemberAsync(Caller.FromPrincipal(user), id, gatewayId, pneId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new EpochResponse(id, epoch, rotated, rotated ? GroupKeyReason.MemberCompromised : null));
    }

    private static async Task<Ok<EpochResponse>> RotateAsync(Guid id, ClaimsPrincipal user, GroupKeyService keys, CancellationToken ct)
    {
        var issued = await keys.RotateAsync(Caller.FromPrincipal(user), id, ct).ConfigureAwait(false);
        return TypedResults.Ok(issued.ToResponse());
    }

    private static async Task<Ok<List<DeliveryResponse>>> DeliveriesAsync(Guid id, ClaimsPrincipal user, GroupKeyService keys, DeliveryService deliveries, CancellationToken ct)
    {
        // Access check first: 404 / 403 as for the group itself.
        await keys.GetGroupAsync(Caller.FromPrincipal(user), id, includeDeleted: true, ct).ConfigureAwait(false);
        var rows = await deliveries.ListAsync(id, ct).ConfigureAwait(false);
        return TypedResults.Ok(rows.Select(r => r.Delivery.ToResponse(r.Pnes)).ToList());
    }

    private static async Task<Ok<List<AuditEntryResponse>>> AuditAsync(ClaimsPrincipal user, AuditService audit, Guid? groupId, long? after, int? limit, CancellationToken ct)
    {
        var page = Validate.Range(limit, "limit", 1, AuditService.MaxPage) ?? 100;
        var rows = await audit.ListAsync(Caller.FromPrincipal(user), groupId, after ?? 0, page, ct).ConfigureAwait(false);
        return TypedResults.Ok(rows.Select(a => a.ToResponse()).ToList());
    }

    private static (string GatewayId, string PneId) ParseMemberId(string memberId) =>
        MemberKey.TryParse(memberId, out var gatewayId, out var pneId)
            ? (gatewayId, pneId)
            : throw ServerError.Invalid("memberId", "A member id is 'gatewayId:pneId'.");
}

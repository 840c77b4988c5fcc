using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NevHub.Server.Security;

namespace NevHub.Server.Api;

public sealed record CreateKeyRequest(string Name, string Role, string? Maker);

/// <summary>A key just created: <see cref="Secret"/> is shown only in this answer.</summary>
public sealed record CreatedKeyView(ApiKeyView Key, string Secret);

/// <summary>API-key management (admins only): list, create, revoke.</summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/keys").WithTags("Keys").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        api.MapGet("/", (ApiKeyStore keys) => TypedResults.Ok(keys.List().Select(ApiKeyView.Of).ToList()))
            .WithName("ListKeys").WithSummary("Every API key (id, name, role, maker; never the secret or its hash).");
        api.MapPost("/", Create).WithName("CreateKey").WithSummary("Create an API key; the secret is in this answer only.");
        api.MapDelete("/{id}", Delete).WithName("DeleteKey").WithSummary("Revoke an API key by id.");
        return api;
    }

    private static Results<Created<CreatedKeyView>, ValidationProblem> Create(CreateKeyRequest request, ApiKeyStore keys)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100 || request.Name == ApiKeyStore.ConfiguredAdminName)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["a key needs a name of 1-100 characters"] });
        }

        var maker = request.Role == Roles.MakerViewer ? request.Maker?.Trim() : null;
        try
        {
            var (secret, record) = keys.Create(request.Name, request.Role ?? "", maker);
            return TypedResults.Created($"/api/keys/{record.Id}", new CreatedKeyView(ApiKeyView.Of(record), secret));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = [ex.Message] });
        }
    }

    private static Results<NoContent, NotFound> Delete(string id, ApiKeyStore keys) =>
        keys.Delete(id) ? TypedResults.NoContent() : TypedResults.NotFound();
}

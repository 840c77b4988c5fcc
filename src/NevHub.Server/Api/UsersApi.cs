using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NevHub.Server.Security;

namespace NevHub.Server.Api;

public sealed record CreateUserRequest(string UserName, string Password, string Role, string? Maker);

public sealed record SetRoleRequest(string Role, string? Maker);

public sealed record SetPasswordRequest(string Password);

/// <summary>User management (admins only): create, list, set role and maker, reset password, delete.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/users").WithTags("Users").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        api.MapGet("/", List).WithName("ListUsers").WithSummary("Every user (never the password hash).");
        api.MapPost("/", Create).WithName("CreateUser").WithSummary("Create a user: role admin, operator or maker (with its maker).");
        api.MapPut("/{userName}", SetRole).WithName("SetUserRole").WithSummary("Set a user's role and maker; signs the user out.");
        api.MapPost("/{userName}/password", SetPassword).WithName("ResetUserPassword").WithSummary("Reset a user's password; signs the user out.");
        api.MapDelete("/{userName}", Delete).WithName("DeleteUser").WithSummary("Delete a user (not the last admin).");
        return api;
    }

    private static Ok<List<UserView>> List(UserStore users) => TypedResults.Ok(users.List().Select(UserView.Of).ToList());

    private static Results<Created<UserView>, ValidationProblem> Create(CreateUserRequest request, UserStore users)
    {
        try
        {
            var user = users.Create(request.UserName ?? "", request.Password ?? "", request.Role ?? "", request.Maker);
            return TypedResults.Created($"/api/users/{Uri.EscapeDataString(user.UserName)}", UserView.Of(user));
        }
        catch (UserStoreException ex)
        {
            return Problem(ex);
        }
    }

    private static Results<Ok<UserView>, NotFound, ValidationProblem> SetRole(string userName, SetRoleRequest request, UserStore users)
    {
        try
        {
            return users.SetRole(userName, request.Role ?? "", request.Maker) is { } user ? TypedResults.Ok(UserView.Of(user)) : TypedResults.NotFound();
        }
        catch (UserStoreException ex)
        {
            return Problem(ex);
        }
    }

    private static Results<NoContent, NotFound, ValidationProblem> SetPassword(string userName, SetPasswordRequest request, UserStore users)
    {
        try
        {
            return users.SetPassword(userName, request.Password ?? "") ? TypedResults.NoContent() : TypedResults.NotFound();
        }
        catch (UserStoreException ex)
        {
            return Problem(ex);
        }
    }

    private static Results<NoContent, NotFound, ValidationProblem> Delete(string userName, UserStore users)
    {
        try
        {
            return users.Delete(userName) ? TypedResults.NoContent() : TypedResults.NotFound();
        }
        catch (UserStoreException ex)
        {
            return Problem(ex);
        }
    }

    private static ValidationProblem Problem(UserStoreException ex) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["user"] = [ex.Message] });
}

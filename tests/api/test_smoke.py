from tests.support.api_server import ApiServer


def test_create_then_list(server: ApiServer, user_id: str) -> None:
    with server.client(user_id) as client:
        created = client.post("/api/tasks", json={"title": "Buy milk"})
        assert created.status_code == 201
        listed = client.get("/api/tasks")
        assert [task["title"] for task in listed.json()] == ["Buy milk"]

"""P4 weak-branch identification, for the procedure and page tests."""


def identify(client, org):
    r = client.post("/api/branch-identification/", {"organization": org.pk}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()

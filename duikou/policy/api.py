from ninja import Router, Schema
from ninja.pagination import paginate

from duikou.core.pagination import Pages

from . import queries

router = Router(tags=["policy"])


class DocumentOut(Schema):
    id: str
    title: str
    title_en: str
    doc_number: str
    issuer: str
    year: int


class ClauseOut(Schema):
    id: str
    document: str
    section: str
    number: str
    title: str
    text: str

    @staticmethod
    def resolve_document(obj):
        return obj.section.document_id

    @staticmethod
    def resolve_section(obj):
        return str(obj.section)


class HitOut(Schema):
    clause: ClauseOut
    score: float
    phrase: bool


class TaskOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    clause_id: str


@router.get("/documents", response=list[DocumentOut])
@paginate(Pages, page_size=50)
def list_documents(request):
    return queries.documents_for(request.user)


@router.get("/documents/{doc_id}", response=DocumentOut)
def get_document(request, doc_id: str):
    return queries.document_for(request.user, doc_id)


@router.get("/documents/{doc_id}/clauses", response=list[ClauseOut])
@paginate(Pages, page_size=100)
def list_document_clauses(request, doc_id: str):
    doc = queries.document_for(request.user, doc_id)
    return queries.clauses_for(request.user).filter(section__document=doc)


@router.get("/clauses/{path:clause_id}", response=ClauseOut)
def get_clause(request, clause_id: str):
    return queries.clause_for(request.user, clause_id)


@router.get("/search", response=list[HitOut])
@paginate(Pages, page_size=20)
def search(request, q: str, doc: str = ""):
    return queries.search_clauses(request.user, q[:100], document=doc)


@router.get("/tasks", response=list[TaskOut])
@paginate(Pages, page_size=100)
def list_tasks(request):
    return queries.tasks_for(request.user)

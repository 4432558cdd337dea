"""What the forms of produce and labour share: a list's filter form and a record's form with its version."""

from django import forms

from duikou.core.forms import Styled


class FilterForm(Styled, forms.Form):
    """A list's filters, small; ``filters()`` gives every field's value, empty where not given or not valid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {key: data.get(key) or "" for key in self.fields}


class RecordForm(Styled, forms.Form):
    """A listing's, demand's, posting's or seeker's form; an edit carries the version it was based on."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]
        self.style()
